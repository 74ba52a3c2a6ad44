# Look a customer up by your own identifier (merchant_customer_id). Any
# characters work, including "/", spaces and non-ASCII letters.
data "monri_customer" "jane" {
  merchant_customer_id = "crm-000123"
}

# Or by its Monri UUID (exactly one of id, merchant_customer_id and email).
data "monri_customer" "by_uuid" {
  id = "4b281da4-d145-4233-b957-2018cf9aa0fb"

  lifecycle {
    # Monri may still return a deleted customer, marked deleted: refuse it.
    postcondition {
      condition     = !self.deleted
      error_message = "Customer ${self.id} was deleted at ${coalesce(self.deleted_at, "an unknown time")}."
    }
  }
}

# Or by email, compared case-insensitively. Monri documents no lookup by
# email: the provider lists every customer (one request per 100) and fails unless
# exactly one live customer has the address; the error lists each match's id
# and merchant_customer_id when several do.
data "monri_customer" "by_email" {
  email = "jane.doe@example.com"
}

output "jane_customer_id" {
  description = "The Monri customer UUID, to pass to payments or to the mobile SDKs."
  value       = data.monri_customer.jane.id
}

output "jane_email" {
  value = data.monri_customer.jane.email
}
