# terraform query (Terraform 1.14 and later) lists customers that can be
# imported. Put list blocks in a file ending in .tfquery.hcl beside the
# configuration and run:
#
#   terraform query                                     # list them
#   terraform query -generate-config-out=customers.tf   # write import blocks and resources
#
# A customer must match every filter that is set; deleted customers are never
# listed.
list "monri_customer" "crm" {
  provider = monri

  config {
    merchant_customer_id_prefix = "crm-"
    created_after               = "2026-01-01T00:00:00Z"
  }
}

# include_resource = true returns every attribute of each customer, as the
# resource would hold it after an import; limit (default 100) caps the results.
list "monri_customer" "payments_team" {
  provider         = monri
  include_resource = true
  limit            = 50

  config {
    metadata = {
      team = "payments"
    }
  }
}

list "monri_customer" "jane" {
  provider = monri

  config {
    email = "jane.doe@example.com"
  }
}
