# A customer with every attribute set. merchant_customer_id is optional but
# recommended: it is your own key for the customer, it makes create safe to
# retry, and it lets you import with merchant_customer_id:<value>.
resource "monri_customer" "jane" {
  merchant_customer_id = "crm-000123"
  name                 = "Jane Doe"
  email                = "jane.doe@example.com"
  phone                = "+387 61 000 000"
  description          = "Created by Terraform for checkout tests"
  address              = "Zmaja od Bosne 8"
  city                 = "Sarajevo"
  zip_code             = "71000"
  country              = "BA"

  metadata = {
    tier   = "gold"
    source = "terraform"
  }

  # Optional bounds on each whole operation, retries included.
  timeouts {
    create = "2m"
    delete = "2m"
  }
}

# The smallest customer: every attribute is optional.
resource "monri_customer" "anonymous" {}

output "jane_customer_id" {
  description = "The Monri customer UUID, to pass to payments or to the mobile SDKs."
  value       = monri_customer.jane.id
}
