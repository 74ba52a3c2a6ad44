#!/usr/bin/env bash
# make test-modules: `terraform test` of every module under examples/modules/,
# against the bundled Monri sandbox, offline and without credentials.
#
#  1. builds the provider and installs it into .test-modules/plugins (a
#     private plugin directory: ~/.terraform.d is not touched);
#  2. builds and starts the sandbox on a free loopback port;
#  3. for each module with tests (tests/*.tftest.hcl or *.tftest.hcl): copies
#     it into .test-modules/ (so no .terraform/ or lock file lands in
#     examples/), runs terraform init with a CLI configuration of its own
#     (a filesystem_mirror of that plugin directory) and terraform test;
#  4. checks that the sandbox holds no customer afterwards (terraform test
#     destroys what its runs created) and says how many the tests created;
#  5. stops the sandbox.
#
# Needs Terraform 1.11 or later (mock_provider with override_during).
# TFTEST_ARGS adds arguments to every terraform test, for example
# TFTEST_ARGS='-verbose' or TFTEST_ARGS='-filter=tests/mock.tftest.hcl'.
# Everything happens under .test-modules/ (removed by `make clean`).
set -euo pipefail

cd "$(dirname "$0")/.."
# shellcheck source=scripts/lib.sh
source scripts/lib.sh

started=$SECONDS
TERRAFORM="$(find_terraform)"
VERSION="${VERSION:-0.1.0}"
MAKE="${MAKE:-make}"
WORK="$PWD/.test-modules"
read -r -a tftest_args <<<"${TFTEST_ARGS:-}"
export CHECKPOINT_DISABLE=1 TF_IN_AUTOMATION=1 TF_INPUT=0
color=()
[[ -t 1 ]] || color=(-no-color)

# The tests use mock_provider with override_during (Terraform 1.11).
tf_version="$("$TERRAFORM" version -json 2>/dev/null || true)"
if [[ "$tf_version" =~ \"terraform_version\":[[:space:]]*\"([0-9]+)\.([0-9]+)\. ]]; then
	if ((BASH_REMATCH[1] < 1 || (BASH_REMATCH[1] == 1 && BASH_REMATCH[2] < 11))); then
		echo "error: make test-modules needs Terraform 1.11 or later (terraform test with mock_provider and override_during); $TERRAFORM is ${BASH_REMATCH[1]}.${BASH_REMATCH[2]}." >&2
		echo "       Install a newer Terraform, or point TF_ACC_TERRAFORM_PATH at one." >&2
		exit 1
	fi
else
	echo "error: could not read the version of $TERRAFORM (terraform version -json): $tf_version" >&2
	exit 1
fi

# Modules with tests; a module without any is reported, not tested.
modules=()
for dir in examples/modules/*/; do
	dir="${dir%/}"
	if compgen -G "$dir/tests/*.tftest.hcl" >/dev/null || compgen -G "$dir/*.tftest.hcl" >/dev/null; then
		modules+=("$dir")
	else
		echo "warning: $dir has no tests (tests/*.tftest.hcl): not tested" >&2
	fi
done
if [[ ${#modules[@]} -eq 0 ]]; then
	echo "error: no module under examples/modules/ has tests (tests/*.tftest.hcl)" >&2
	exit 1
fi

SANDBOX_PID=""
cleanup() {
	local rc=$?
	stop_sandbox
	if [[ $rc -ne 0 ]]; then
		echo >&2
		echo "make test-modules FAILED (exit $rc) after $((SECONDS - started))s." >&2
		echo "The module copies are under $WORK/examples/modules; the sandbox log is $WORK/sandbox.log." >&2
	fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

step "Building the provider (v$VERSION) into a private plugin directory"
rm -rf "$WORK"
mkdir -p "$WORK"
"$MAKE" --no-print-directory install VERSION="$VERSION" PLUGIN_DIR="$WORK/plugins"
write_cli_config "$WORK/terraformrc" "$WORK/plugins"
export TF_CLI_CONFIG_FILE="$WORK/terraformrc"

step "Starting the Monri sandbox"
start_sandbox "$WORK"
echo "Sandbox pid $SANDBOX_PID listening on $MONRI_BASE_URL (MONRI_BASE_URL, MONRI_AUTHENTICITY_TOKEN and MONRI_MERCHANT_KEY exported)"

# Copies, so that relative module sources (../other-module) still resolve.
cp -R examples "$WORK/examples"
find "$WORK/examples" \( -name .terraform -o -name .terraform.lock.hcl -o -name '*.tfstate*' \) -prune -exec rm -rf {} +

# OpenTofu lacks override_during: its copies lose the test files that use it.
if [[ "$(cli_name "$TERRAFORM")" == tofu ]]; then
	drop_tofu_unsupported_tests "$WORK"
fi

# created_count prints how many customers the sandbox has created so far
# (its request counter of POST /v2/customers).
created_count() {
	local stats
	stats="$(sandbox_request GET /sandbox/stats)"
	if [[ "$stats" =~ \"POST\ /v2/customers\":([0-9]+) ]]; then
		echo "${BASH_REMATCH[1]}"
	else
		echo 0
	fi
}

failed=()
for dir in "${modules[@]}"; do
	copy="$WORK/$dir"
	step "$dir: terraform init and terraform test"
	before="$(created_count)"
	if ! "$TERRAFORM" -chdir="$copy" init -input=false "${color[@]}" >"$copy/init.log" 2>&1; then
		cat "$copy/init.log" >&2
		echo "error: terraform init failed in $dir" >&2
		failed+=("$dir")
		continue
	fi
	echo "\$ terraform test${TFTEST_ARGS:+ $TFTEST_ARGS}"
	if ! "$TERRAFORM" -chdir="$copy" test "${color[@]}" "${tftest_args[@]}"; then
		echo "error: terraform test failed in $dir" >&2
		failed+=("$dir")
	fi
	if ! kill -0 "$SANDBOX_PID" 2>/dev/null; then
		echo "error: the sandbox stopped during terraform test in $dir (interrupted?); its log: $WORK/sandbox.log" >&2
		exit 1
	fi
	# terraform test destroys what it created, also after a failed run:
	# anything the listing still shows was left behind.
	listing="$(monri_get /v2/customers)"
	if [[ ! "$listing" =~ \"data\":[[:space:]]*\[[[:space:]]*\] ]]; then
		echo "error: $dir left customers on the sandbox after terraform test: $listing" >&2
		failed+=("$dir (cleanup)")
	else
		echo "Sandbox: the tests created $(($(created_count) - before)) customers; none is left."
	fi
done

if [[ ${#failed[@]} -gt 0 ]]; then
	echo "error: terraform test failed for: ${failed[*]}" >&2
	exit 1
fi
step "terraform test passed for ${#modules[@]} module(s) in $((SECONDS - started))s: ${modules[*]}"
