# Import by the Monri customer UUID:
terraform import monri_customer.jane 4b281da4-d145-4233-b957-2018cf9aa0fb

# Or by your own merchant_customer_id:
terraform import monri_customer.jane merchant_customer_id:crm-000123
