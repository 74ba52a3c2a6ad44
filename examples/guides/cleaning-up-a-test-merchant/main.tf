# A clean-up configuration of its own, for a scheduled pipeline: it manages
# nothing (no state worth keeping) and only holds the action, invoked with
#
#   terraform apply -invoke=action.monri_delete_customers.leftovers
#
# Credentials come from MONRI_AUTHENTICITY_TOKEN and MONRI_MERCHANT_KEY;
# environment stays "test": the action refuses "prod" unless allowed.
terraform {
  required_version = ">= 1.14"
  required_providers {
    monri = {
      source = "monri-community/monri"
    }
  }
}

variable "dry_run" {
  description = "Only report what would be deleted."
  type        = bool
  default     = true
}

variable "max_deletes" {
  description = "The most customers one run may delete; more matches fail the run before any delete."
  type        = number
  default     = 1000
}

provider "monri" {
  environment = "test"
  # Leave some of the merchant's API quota to the pipelines that run now.
  max_requests_per_second = 5
}

# Customers created by test pipelines (merchant_customer_id "ci-...", tagged
# created_by = "ci") that are older than a day: a pipeline that crashed
# before `terraform destroy` left them behind.
action "monri_delete_customers" "leftovers" {
  config {
    merchant_customer_id_prefix = "ci-"
    metadata = {
      created_by = "ci"
    }
    created_before = timeadd(plantimestamp(), "-24h")
    max_deletes    = var.max_deletes
    dry_run        = var.dry_run
  }
}
