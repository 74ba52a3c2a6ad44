# The adopted customers, frozen: the same resource addresses as the adoption
# configuration (monri_customer.adopted["<merchant_customer_id>"]), with
# values of their own instead of the listing's, and no import blocks. Write
# the values once from the adoption's output:
#
#   echo "{\"adopted_customers\": $(terraform output -json adopted)}" > adopted.auto.tfvars.json
#
# then replace the adoption configuration with this one: the plan is empty.
# From here on, a change on Monri shows as drift, a customer that changes its
# merchant_customer_id is not destroyed, and a new customer is not imported.

variable "adopted_customers" {
  description = "The adopted customers' arguments, by merchant_customer_id."
  type = map(object({
    merchant_customer_id = string
    description          = string
    email                = string
    name                 = string
    phone                = string
    metadata             = map(string)
    zip_code             = string
    city                 = string
    address              = string
    country              = string
  }))
}

resource "monri_customer" "adopted" {
  for_each = var.adopted_customers

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

# The adopted customers' arguments, as the adoption configuration outputs
# them (so the plan stays empty when it is replaced by this one).
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
