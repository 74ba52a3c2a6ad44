# The ID is a customer UUID, or merchant_customer_id:<value>.
import {
  to = monri_customer.jane
  id = "merchant_customer_id:crm-000123"
}
