# A helper module for the tests beside it, not for use on its own: a run
# block applies it to read the customers back from Monri (here, the sandbox)
# through the provider's data sources, so that assertions check what Monri
# stored rather than what Terraform planned.

terraform {
  required_version = ">= 1.5.0"

  required_providers {
    monri = {
      source = "monri-community/monri"
    }
  }
}

variable "customer_ids" {
  description = "Monri customer UUIDs to look up by id, keyed like the module's customers."
  type        = map(string)
}

variable "merchant_customer_ids" {
  description = "merchant_customer_ids to look up, keyed like the module's customers."
  type        = map(string)
}

variable "previous_customer_ids" {
  description = "The ids an earlier run had, for a run to assert that they did not change (null: none)."
  type        = map(string)
  default     = null
}

variable "merchant_customer_id_prefix" {
  description = "Only customers whose merchant_customer_id starts with this prefix are listed in output.listed."
  type        = string
}

data "monri_customer" "by_id" {
  for_each = var.customer_ids

  id = each.value
}

data "monri_customer" "by_merchant_customer_id" {
  for_each = var.merchant_customer_ids

  merchant_customer_id = each.value
}

data "monri_customers" "all" {}

output "listed" {
  description = "merchant_customer_id => id of every live customer with the prefix, from the listing."
  value = {
    for c in data.monri_customers.all.customers : c.merchant_customer_id => c.id
    if startswith(coalesce(c.merchant_customer_id, "-"), var.merchant_customer_id_prefix)
  }
}

output "customer_ids" {
  description = "var.customer_ids, for a later run to compare with."
  value       = var.customer_ids
}
