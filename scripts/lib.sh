# Shared shell helpers for scripts/*.sh and .ci/run. Source it; do not run it.

# find_terraform prints the Terraform CLI to use (TERRAFORM, then
# TF_ACC_TERRAFORM_PATH, then PATH) or fails with a clear message.
find_terraform() {
	local tf="${TERRAFORM:-${TF_ACC_TERRAFORM_PATH:-}}"
	if [[ -n "$tf" && ! -x "$tf" ]]; then
		{
			echo "error: the terraform CLI '$tf' (from TERRAFORM or TF_ACC_TERRAFORM_PATH) is not an executable file."
			echo "       Point TF_ACC_TERRAFORM_PATH at a terraform binary, or unset it to use terraform from PATH."
		} >&2
		return 1
	fi
	if [[ -z "$tf" ]]; then
		tf="$(command -v terraform || true)"
	fi
	if [[ -z "$tf" ]]; then
		{
			echo "error: no terraform CLI found: TF_ACC_TERRAFORM_PATH is not set and there is no terraform on PATH."
			echo "       Install Terraform >= 1.5 (https://developer.hashicorp.com/terraform/install) and put it on PATH,"
			echo "       or set TF_ACC_TERRAFORM_PATH=/path/to/terraform."
		} >&2
		return 1
	fi
	printf '%s\n' "$tf"
}

# write_cli_config FILE MIRROR_DIR writes a CLI configuration (Terraform's and
# OpenTofu's format alike) that installs monri-community/monri from the
# filesystem mirror MIRROR_DIR (the `make install` layout, which has it under
# both registry hosts: Terraform's registry.terraform.io and OpenTofu's
# registry.opentofu.org) and never from the network, independent of the
# user's own ~/.terraformrc.
write_cli_config() {
	local file="$1" mirror="$2"
	cat >"$file" <<HCL
# Written by scripts/lib.sh: install the locally built Monri provider offline.
provider_installation {
  filesystem_mirror {
    path    = "${mirror}"
    include = ["registry.terraform.io/monri-community/monri", "registry.opentofu.org/monri-community/monri"]
  }
  direct {
    exclude = ["registry.terraform.io/monri-community/monri", "registry.opentofu.org/monri-community/monri"]
  }
}
HCL
}

# cli_name prints "tofu" when the CLI at $1 is OpenTofu, else "terraform":
# what a transcript shows as the command a user would type.
# (The output is read whole: `grep -q` in a pipe could stop the CLI with
# SIGPIPE, and pipefail then takes OpenTofu for Terraform.)
cli_name() {
	local out
	out="$("$1" version 2>/dev/null || true)"
	if [[ "$out" == OpenTofu\ v* || "$out" == *$'\n'OpenTofu\ v* ]]; then
		echo tofu
	else
		echo terraform
	fi
}

# drop_tofu_unsupported_tests DIR: under OpenTofu, which has mock_provider but
# not its override_during argument (Terraform 1.11) and refuses at init a test
# file it cannot parse, removes the test files under the copy DIR that use it,
# saying so. Call it only on copies.
drop_tofu_unsupported_tests() {
	local f
	while IFS= read -r f; do
		echo "note: OpenTofu has no mock_provider override_during: skipping ${f#"$1/"} (Terraform 1.11 or later runs it)"
		rm -f "$f"
	done < <(grep -rlE --include='*.tftest.hcl' '^[[:space:]]*override_during[[:space:]]*=' "$1" || true)
}

# step prints a progress line with the seconds elapsed since the script
# started (bash's SECONDS).
step() {
	printf '\n==> [%3ds] %s\n' "$SECONDS" "$*"
}

# start_sandbox DIR [FLAG...] builds the sandbox into DIR/bin, starts it in
# the background on a free loopback port (output in DIR/sandbox.log; extra
# arguments are passed to it), waits up to 10s for its -ready-file
# (DIR/sandbox.url) and exports MONRI_BASE_URL, MONRI_AUTHENTICITY_TOKEN and
# MONRI_MERCHANT_KEY from its start-up output. It sets SANDBOX_PID as soon as
# the sandbox runs, so an EXIT trap calling stop_sandbox stops it even when
# start_sandbox fails.
start_sandbox() {
	local dir="$1"
	shift
	mkdir -p "$dir/bin"
	rm -f "$dir/sandbox.url"
	go build -o "$dir/bin/monri-sandbox" ./internal/cmd/monri-sandbox
	"$dir/bin/monri-sandbox" -addr 127.0.0.1:0 -ready-file "$dir/sandbox.url" "$@" >"$dir/sandbox.log" 2>&1 &
	SANDBOX_PID=$!
	local _
	for _ in $(seq 1 100); do
		[[ -s "$dir/sandbox.url" ]] && break
		if ! kill -0 "$SANDBOX_PID" 2>/dev/null; then
			cat "$dir/sandbox.log" >&2
			echo "error: the sandbox exited before it was ready" >&2
			return 1
		fi
		sleep 0.1
	done
	if [[ ! -s "$dir/sandbox.url" ]]; then
		echo "error: the sandbox was not ready after 10s; its log:" >&2
		cat "$dir/sandbox.log" >&2
		return 1
	fi
	# The sandbox prints the provider's settings as MONRI_*=value lines; its
	# merchant key is a public test value, not a secret.
	local name value
	while IFS='=' read -r name value; do
		name="${name//[[:space:]]/}"
		case "$name" in
		MONRI_BASE_URL | MONRI_AUTHENTICITY_TOKEN | MONRI_MERCHANT_KEY) export "$name=$value" ;;
		esac
	done <"$dir/sandbox.log"
	if [[ -z "${MONRI_BASE_URL:-}" || -z "${MONRI_AUTHENTICITY_TOKEN:-}" || -z "${MONRI_MERCHANT_KEY:-}" ]]; then
		echo "error: could not read MONRI_BASE_URL, MONRI_AUTHENTICITY_TOKEN and MONRI_MERCHANT_KEY from the sandbox output:" >&2
		cat "$dir/sandbox.log" >&2
		return 1
	fi
}

# stop_sandbox stops the sandbox start_sandbox started, if it still runs,
# and says so.
stop_sandbox() {
	if [[ -n "${SANDBOX_PID:-}" ]] && kill -0 "$SANDBOX_PID" 2>/dev/null; then
		kill -TERM "$SANDBOX_PID" 2>/dev/null || true
		wait "$SANDBOX_PID" 2>/dev/null || true
		echo "Stopped the sandbox (pid $SANDBOX_PID)."
	fi
	SANDBOX_PID=""
}

# sandbox_request METHOD PATH [BODY [AUTHORIZATION]] sends one request to the
# sandbox at MONRI_BASE_URL with bash's /dev/tcp (no curl needed); prints the
# response body, fails on a non-2xx answer.
sandbox_request() {
	local method="$1" path="$2" body="${3:-}" auth="" hostport host port resp status
	if [[ -n "${4:-}" ]]; then
		auth="Authorization: $4"$'\r\n'
	fi
	hostport="${MONRI_BASE_URL#http://}"
	host="${hostport%:*}"
	port="${hostport##*:}"
	if ! { exec 3<>"/dev/tcp/$host/$port"; } 2>/dev/null; then
		echo "error: $method $path: cannot connect to the sandbox at $MONRI_BASE_URL" >&2
		return 1
	fi
	LC_ALL=C printf '%s %s HTTP/1.1\r\nHost: %s\r\nContent-Type: application/json\r\nAccept: application/json\r\n%sContent-Length: %d\r\nConnection: close\r\n\r\n%s' \
		"$method" "$path" "$hostport" "$auth" "$(LC_ALL=C; echo ${#body})" "$body" >&3
	resp="$(cat <&3)"
	exec 3<&- 3>&-
	status="$(head -n1 <<<"$resp" | cut -d' ' -f2)"
	if [[ "$status" != 2* ]]; then
		echo "error: $method $path answered ${status:-nothing}: ${resp##*$'\r\n\r\n'}" >&2
		return 1
	fi
	printf '%s\n' "${resp##*$'\r\n\r\n'}"
}

# sandbox_post PATH JSON: POST to a sandbox-only endpoint (sandbox_request).
sandbox_post() {
	sandbox_request POST "$1" "$2"
}

# monri_get PATH: a GET of a Monri API path (with its query) at
# MONRI_BASE_URL, signed with WP3-v2.1 from MONRI_AUTHENTICITY_TOKEN and
# MONRI_MERCHANT_KEY; prints the response body.
monri_get() {
	local path="$1" ts digest
	ts="$(date +%s)"
	digest="$(printf '%s' "$MONRI_MERCHANT_KEY$ts$MONRI_AUTHENTICITY_TOKEN$path" | sha512sum)"
	digest="${digest%% *}"
	sandbox_request GET "$path" "" "WP3-v2.1 $MONRI_AUTHENTICITY_TOKEN $ts $digest"
}
