data "monri_customer" "jane" {
  merchant_customer_id = "crm-000123"
}

# Jane's saved cards that can still be charged, newest first.
data "monri_customer_payment_methods" "jane" {
  customer_id     = data.monri_customer.jane.id
  include_expired = false
}

# Masked numbers and expiry dates are not secret.
output "jane_cards" {
  value = [
    for pm in data.monri_customer_payment_methods.jane.payment_methods :
    "${pm.masked_pan} (expires ${pm.expiration_date})"
  ]
}

# Card tokens are: Terraform only lets an output expose them when it is
# marked sensitive (they are also in the state file; protect it).
output "jane_newest_card_token" {
  value     = try(data.monri_customer_payment_methods.jane.payment_methods[0].token, null)
  sensitive = true
}
