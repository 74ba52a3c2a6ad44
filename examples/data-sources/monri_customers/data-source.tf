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

# Filters are combinable: a customer is listed when it matches every filter
# that is set. The provider applies them to Monri's listing (email, name,
# merchant_customer_id_prefix and metadata read every page).
data "monri_customers" "gold_crm" {
  merchant_customer_id_prefix = "crm-"
  metadata = {
    tier = "gold"
  }
}

# Every customer with this address, in any letter case.
data "monri_customers" "ana" {
  email = "ana.kovac@example.com"
}

# Customers created since the start of 2025, newest first. Monri lists
# newest first, so paging stops at the first page that reaches an older
# customer: the cost grows with the number of newer customers only.
data "monri_customers" "since_2025" {
  created_after = "2025-01-01T00:00:00Z"
}

# The 10 newest customers named exactly "Ana Kovač"; paging stops at the page
# holding the tenth match.
data "monri_customers" "ana_kovac" {
  name      = "Ana Kovač"
  max_items = 10
}

output "gold_crm_ids" {
  value = data.monri_customers.gold_crm.customers[*].id
}
