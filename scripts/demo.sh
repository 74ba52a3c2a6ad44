#!/usr/bin/env bash
# make demo: the first run, offline, without Monri credentials.
#
#  1. builds the provider and installs it into the local plugin directory;
#  2. builds and starts the bundled Monri sandbox on a free loopback port;
#  3. terraform init of examples/demo from that directory (no network);
#  4. terraform apply: customers through a module and a resource, a lookup,
#     a payment-method listing and a customer listing;
#  5. attaches two test cards to one customer (sandbox-only endpoint);
#  6. terraform apply again: the data sources now show the cards;
#  7. terraform destroy, then stops the sandbox.
#
# Everything happens under .demo/ (removed by `make clean`). Terraform uses
# its own CLI configuration (.demo/terraformrc), never ~/.terraformrc.
# DEMO_KEEP=1 skips the destroy and leaves the sandbox running, printing how
# to continue and how to stop it.
set -euo pipefail

cd "$(dirname "$0")/.."
# shellcheck source=scripts/lib.sh
source scripts/lib.sh

started=$SECONDS
TERRAFORM="$(find_terraform)"
TF_NAME="$(cli_name "$TERRAFORM")"
VERSION="${VERSION:-0.1.0}"
PLUGIN_DIR="${PLUGIN_DIR:-$HOME/.terraform.d/plugins}"
MAKE="${MAKE:-make}"
KEEP="${DEMO_KEEP:-}"
DEMO="$PWD/.demo"
export CHECKPOINT_DISABLE=1 TF_IN_AUTOMATION=1 TF_INPUT=0
# A colourless transcript when not on a terminal (CI logs).
color=()
[[ -t 1 ]] || color=(-no-color)

tf() {
	echo "\$ $TF_NAME $*"
	"$TERRAFORM" -chdir="$DEMO/examples/demo" "$@"
}

SANDBOX_PID=""
cleanup() {
	local rc=$?
	if [[ -n "$KEEP" && $rc -eq 0 ]]; then
		return
	fi
	stop_sandbox
	if [[ $rc -ne 0 ]]; then
		echo >&2
		echo "make demo FAILED (exit $rc) after $((SECONDS - started))s. The sandbox log is $DEMO/sandbox.log." >&2
		echo "The sandbox kept its data in memory only, so nothing is left behind to clean up." >&2
	fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

echo "CLI: $TERRAFORM ($("$TERRAFORM" version | grep -m1 -E '^(Terraform|OpenTofu) v'))"

step "1/7 Building the provider (v$VERSION) and installing it for offline terraform init"
"$MAKE" --no-print-directory install VERSION="$VERSION" PLUGIN_DIR="$PLUGIN_DIR"

step "2/7 Starting the Monri sandbox: a local emulator of the Customers API (no credentials, no network)"
rm -rf "$DEMO"
start_sandbox "$DEMO"
echo "Sandbox pid $SANDBOX_PID listening on $MONRI_BASE_URL; the provider reads it from these variables:"
echo "  MONRI_BASE_URL=$MONRI_BASE_URL"
echo "  MONRI_AUTHENTICITY_TOKEN=$MONRI_AUTHENTICITY_TOKEN"
echo "  MONRI_MERCHANT_KEY=<sandbox test key>"

step "3/7 terraform init, offline: monri-community/monri comes from $PLUGIN_DIR"
cp -R examples "$DEMO/examples"
find "$DEMO/examples" \( -name .terraform -o -name .terraform.lock.hcl -o -name '*.tfstate*' \) -prune -exec rm -rf {} +
write_cli_config "$DEMO/terraformrc" "$PLUGIN_DIR"
export TF_CLI_CONFIG_FILE="$DEMO/terraformrc"
echo "CLI configuration: $TF_CLI_CONFIG_FILE (filesystem_mirror only; ~/.terraformrc is not read)"
tf init -input=false "${color[@]}"

step "4/7 terraform apply: 4 customers (3 through examples/modules/test-customers), a lookup and two listings"
tf apply -auto-approve -input=false "${color[@]}"

step "5/7 Saving two test cards for alice (what a checkout with tokenisation does; here a sandbox-only endpoint)"
alice_id="$("$TERRAFORM" -chdir="$DEMO/examples/demo" output -raw alice_id)"
echo "POST $MONRI_BASE_URL/sandbox/customers/$alice_id/payment-methods  (a Visa test card, valid)"
sandbox_post "/sandbox/customers/$alice_id/payment-methods" '{"pan":"4111111111111111","expiration_date":"2030-12"}' >/dev/null
echo "POST $MONRI_BASE_URL/sandbox/customers/$alice_id/payment-methods  (a Mastercard test card, expired last month)"
sandbox_post "/sandbox/customers/$alice_id/payment-methods" '{"pan":"5555555555554444","expired":true}' >/dev/null

step "6/7 terraform apply again: no customer changes, the data sources now list alice's cards"
tf apply -auto-approve -input=false "${color[@]}"
cards="$("$TERRAFORM" -chdir="$DEMO/examples/demo" output -json alice_payment_methods)"
if [[ "$cards" != *'411111******1111'* || "$cards" != *'555555******4444'* ]]; then
	echo "error: alice_payment_methods does not list the two test cards: $cards" >&2
	exit 1
fi
echo
echo "Checking that a new plan is empty (no perpetual diff after apply):"
tf plan -detailed-exitcode -input=false "${color[@]}" >"$DEMO/plan.log" 2>&1 || {
	rc=$?
	cat "$DEMO/plan.log" >&2
	echo "error: terraform plan after apply exited $rc (2 means it proposes changes)" >&2
	exit 1
}
tail -n 3 "$DEMO/plan.log"

if [[ -n "$KEEP" ]]; then
	step "DEMO_KEEP is set: leaving the customers and the sandbox (pid $SANDBOX_PID) running"
	cat <<EOF
Continue with:
  export TF_CLI_CONFIG_FILE=$DEMO/terraformrc MONRI_BASE_URL=$MONRI_BASE_URL \\
    MONRI_AUTHENTICITY_TOKEN=$MONRI_AUTHENTICITY_TOKEN MONRI_MERCHANT_KEY=$MONRI_MERCHANT_KEY
  terraform -chdir=$DEMO/examples/demo plan
Clean up with:
  terraform -chdir=$DEMO/examples/demo destroy -auto-approve && kill $SANDBOX_PID
EOF
	echo "Demo finished in $((SECONDS - started))s."
	exit 0
fi

step "7/7 terraform destroy, then stop the sandbox"
tf destroy -auto-approve -input=false "${color[@]}"

echo
echo "Demo finished in $((SECONDS - started))s: built and installed the provider, initialised offline,"
echo "created 4 customers, looked one up, listed its cards and all customers, destroyed them."
echo "Next: 'make test' runs the test suite; README.md shows how to use real Monri test credentials."
