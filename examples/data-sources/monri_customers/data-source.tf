# Every customer of the merchant, newest first. Each page is one request to
# Monri: on large accounts, limit the listing with max_items.
data "monri_customers" "all" {}

# The 50 newest customers, deleted ones included (when Monri lists them).
data "monri_customers" "recent" {
  max_items       = 50
  include_deleted = true
}

output "customer_count" {
  value = length(data.monri_customers.all.customers)
}

output "customer_ids_by_merchant_id" {
  description = "Customer UUIDs keyed by merchant_customer_id (customers without one are left out)."
  value = {
    for c in data.monri_customers.all.customers : c.merchant_customer_id => c.id
    if c.merchant_customer_id != null
  }
}

output "recently_deleted" {
  value = [for c in data.monri_customers.recent.customers : c.id if c.deleted]
}
