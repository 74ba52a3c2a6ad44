# Deletes the customers a test pipeline created (merchant_customer_id "ci-..."),
# older than a day, at most 500 of them. Invoke it on demand (Terraform 1.14+):
#
#   terraform apply -invoke=action.monri_delete_customers.stale_ci_customers
#
# With dry_run = true it only lists what it would delete.
action "monri_delete_customers" "stale_ci_customers" {
  config {
    merchant_customer_id_prefix = "ci-"
    metadata = {
      pipeline = "nightly"
    }
    created_before = timeadd(plantimestamp(), "-24h")
    max_deletes    = 500
    dry_run        = false
  }
}
