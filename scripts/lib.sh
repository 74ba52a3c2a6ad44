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

# write_cli_config FILE MIRROR_DIR writes a Terraform CLI configuration that
# installs monri-community/monri from the filesystem mirror MIRROR_DIR (the
# `make install` layout) and never from the network, independent of the
# user's own ~/.terraformrc.
write_cli_config() {
	local file="$1" mirror="$2"
	cat >"$file" <<HCL
# Written by scripts/lib.sh: install the locally built Monri provider offline.
provider_installation {
  filesystem_mirror {
    path    = "${mirror}"
    include = ["registry.terraform.io/monri-community/monri"]
  }
  direct {
    exclude = ["registry.terraform.io/monri-community/monri"]
  }
}
HCL
}

# step prints a progress line with the seconds elapsed since the script
# started (bash's SECONDS).
step() {
	printf '\n==> [%3ds] %s\n' "$SECONDS" "$*"
}
