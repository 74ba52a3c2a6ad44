# Adopt the Monri customers that already exist: list them with a
# monri_customers filter, import each with an import block, and manage each
# with a matching monri_customer resource. The first plan shows every
# customer to import and nothing to add, change or destroy; after apply the
# plan is empty.
#
# The resources take their values from the listing, so the configuration
# agrees with Monri whatever it holds (letter case of emails, customers
# without metadata). Once adopted, freeze the configuration (frozen/main.tf
# and the guide "Adopting Existing Customers").

variable "merchant_customer_id_prefix" {
  description = "Adopt the customers whose merchant_customer_id starts with this."
  type        = string
  default     = "crm-"
}

data "monri_customers" "existing" {
  merchant_customer_id_prefix = var.merchant_customer_id_prefix
}

locals {
  # Keyed by merchant_customer_id (every listed customer has one: the filter
  # requires it), so that the resource addresses are readable and stable.
  existing = { for c in data.monri_customers.existing.customers : c.merchant_customer_id => c }
}

import {
  for_each = local.existing
  to       = monri_customer.adopted[each.key]
  id       = each.value.id
}

resource "monri_customer" "adopted" {
  for_each = local.existing

  merchant_customer_id = each.value.merchant_customer_id
  description          = each.value.description
  email                = each.value.email
  name                 = each.value.name
  phone                = each.value.phone
  metadata             = each.value.metadata
  zip_code             = each.value.zip_code
  city                 = each.value.city
  address              = each.value.address
  country              = each.value.country
}

output "adopted_ids" {
  description = "The adopted customers' Monri UUIDs, by merchant_customer_id."
  value       = { for k, c in monri_customer.adopted : k => c.id }
}

# The adopted customers' arguments, to freeze the configuration once they
# are adopted (frozen/main.tf reads them as var.adopted_customers).
output "adopted" {
  description = "The adopted customers' arguments, by merchant_customer_id."
  value = {
    for k, c in monri_customer.adopted : k => {
      merchant_customer_id = c.merchant_customer_id
      description          = c.description
      email                = c.email
      name                 = c.name
      phone                = c.phone
      metadata             = c.metadata
      zip_code             = c.zip_code
      city                 = c.city
      address              = c.address
      country              = c.country
    }
  }
}
