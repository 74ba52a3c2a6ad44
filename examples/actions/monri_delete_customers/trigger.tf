# From a resource's action_trigger: when Terraform creates this run's fixture,
# it first deletes what earlier runs left behind ("ci-" customers; the fixture's
# own merchant_customer_id does not start with "ci-"). Terraform 1.14 triggers
# on before_create, after_create, before_update and after_update; Terraform
# 1.16 adds before_destroy and after_destroy. A later apply that changes
# nothing does not invoke it.
resource "monri_customer" "fixture" {
  merchant_customer_id = "fixture-checkout"

  lifecycle {
    action_trigger {
      events  = [after_create]
      actions = [action.monri_delete_customers.leftovers]
    }
  }
}

action "monri_delete_customers" "leftovers" {
  config {
    merchant_customer_id_prefix = "ci-"
    max_deletes                 = 100
  }
}
