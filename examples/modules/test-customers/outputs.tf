output "customer_ids" {
  description = "Monri customer UUIDs, keyed like var.customers."
  value       = { for k, c in monri_customer.this : k => c.id }
}

output "merchant_customer_ids" {
  description = "The merchant_customer_id of each customer, keyed like var.customers."
  value       = { for k, c in monri_customer.this : k => c.merchant_customer_id }
}
