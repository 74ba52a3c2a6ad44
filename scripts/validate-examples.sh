#!/usr/bin/env bash
# Runs `terraform init` and `terraform validate` in every directory under
# examples/ that holds .tf files, offline, with the provider that
# `make install` put into PLUGIN_DIR. Each directory is validated in a
# temporary copy, so no .terraform/ or lock file is left in examples/.
# Directories without a required_providers block (the resource and data
# source snippets rendered into docs/) get one naming monri-community/monri.
set -euo pipefail

cd "$(dirname "$0")/.."
# shellcheck source=scripts/lib.sh
source scripts/lib.sh

TERRAFORM="$(find_terraform)"
PLUGIN_DIR="${PLUGIN_DIR:-$HOME/.terraform.d/plugins}"
export CHECKPOINT_DISABLE=1 TF_IN_AUTOMATION=1

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
write_cli_config "$work/terraformrc" "$PLUGIN_DIR"
export TF_CLI_CONFIG_FILE="$work/terraformrc"
# One provider unpack shared by every directory.
export TF_PLUGIN_CACHE_DIR="$work/plugin-cache"
mkdir -p "$TF_PLUGIN_CACHE_DIR"

dirs=()
while IFS= read -r d; do dirs+=("$d"); done < <(
	find examples -name '*.tf' -not -path '*/.terraform/*' -exec dirname {} \; | sort -u
)
if [[ ${#dirs[@]} -eq 0 ]]; then
	echo "error: no example directories found under examples/" >&2
	exit 1
fi

# Validate copies: no .terraform/, lock file or state is written into
# examples/, and relative module sources (../modules/...) still resolve.
mkdir -p "$work/ex"
cp -R examples "$work/ex/"
find "$work/ex/examples" \( -name .terraform -o -name .terraform.lock.hcl -o -name '*.tfstate*' \) -prune -exec rm -rf {} +

# Directories with an action block need Terraform 1.14 or later; OpenTofu
# has no actions, nor mock_provider's override_during (test files using it
# are dropped from the copies, saying so).
tf_version="$("$TERRAFORM" version -json | sed -n 's/.*"terraform_version": *"\([0-9]*\)\.\([0-9]*\)\..*/\1 \2/p')"
read -r tf_major tf_minor <<<"${tf_version:-0 0}"
tf_name="$(cli_name "$TERRAFORM")"
if [[ "$tf_name" == tofu ]]; then
	drop_tofu_unsupported_tests "$work/ex"
fi
failed=()
skipped=0
for d in "${dirs[@]}"; do
	copy="$work/ex/$d"
	if grep -qs '^action "' "$copy"/*.tf; then
		if [[ "$tf_name" == tofu ]]; then
			printf '%-50s skipped: OpenTofu has no actions (Terraform 1.14 or later validates it)\n' "$d"
			skipped=$((skipped + 1))
			continue
		elif ((tf_major == 1 && tf_minor < 14)); then
			printf '%-50s skipped: actions need Terraform 1.14 or later (this is %s.%s)\n' "$d" "$tf_major" "$tf_minor"
			skipped=$((skipped + 1))
			continue
		fi
	fi
	if ! grep -qs 'required_providers' "$copy"/*.tf; then
		cat >"$copy/zz_required_providers_validate.tf" <<'HCL'
terraform {
  required_providers {
    monri = {
      source = "monri-community/monri"
    }
  }
}
HCL
	fi
	printf '%-50s ' "$d"
	if out="$("$TERRAFORM" -chdir="$copy" init -backend=false -input=false -no-color 2>&1)" &&
		out="$("$TERRAFORM" -chdir="$copy" validate -no-color 2>&1)"; then
		echo "ok"
	else
		echo "FAILED"
		printf '%s\n' "$out" | sed 's/^/    /' >&2
		failed+=("$d")
	fi
done

if [[ ${#failed[@]} -gt 0 ]]; then
	echo "error: ${#failed[@]} example director$([[ ${#failed[@]} -eq 1 ]] && echo y || echo ies) failed terraform validate: ${failed[*]}" >&2
	exit 1
fi
if ((skipped > 0)); then
	echo "all $((${#dirs[@]} - skipped)) example directories checked are valid ($skipped skipped with this CLI, see above)"
else
	echo "all ${#dirs[@]} example directories are valid"
fi
