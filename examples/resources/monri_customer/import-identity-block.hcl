# Terraform 1.12 and later: import by resource identity, the customer's UUID.
import {
  to = monri_customer.jane
  identity = {
    id = "4b281da4-d145-4233-b957-2018cf9aa0fb"
  }
}
