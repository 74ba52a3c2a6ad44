output "customers_created" {
  description = "The customers this configuration manages: merchant_customer_id => Monri UUID."
  value = merge(
    { for k, id in module.test_customers.customer_ids : module.test_customers.merchant_customer_ids[k] => id },
    { (monri_customer.shop_owner.merchant_customer_id) = monri_customer.shop_owner.id },
  )
}

output "lookup_alice" {
  description = "data.monri_customer found by merchant_customer_id."
  value = {
    id         = data.monri_customer.alice.id
    name       = data.monri_customer.alice.name
    email      = data.monri_customer.alice.email
    country    = data.monri_customer.alice.country
    metadata   = data.monri_customer.alice.metadata
    created_at = data.monri_customer.alice.created_at
  }
}

# The card token is sensitive, so the output picks the other attributes.
output "alice_payment_methods" {
  description = "Alice's saved cards (masked), newest first."
  value = [for pm in data.monri_customer_payment_methods.alice.payment_methods : {
    masked_pan      = pm.masked_pan
    expiration_date = pm.expiration_date
    expired         = pm.expired
  }]
}

output "customers_listed" {
  description = "How many customers data.monri_customers listed, and their names, newest first."
  value = {
    count = length(data.monri_customers.all.customers)
    names = [for c in data.monri_customers.all.customers : c.name]
  }
}

output "alice_id" {
  description = "Alice's Monri customer UUID (make demo attaches test cards to it)."
  value       = data.monri_customer.alice.id
}
