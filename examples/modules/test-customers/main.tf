resource "monri_customer" "this" {
  for_each = var.customers

  merchant_customer_id = "${var.merchant_customer_id_prefix}${each.key}"
  name                 = each.value.name
  email                = each.value.email
  phone                = each.value.phone
  description          = each.value.description
  address              = each.value.address
  city                 = each.value.city
  zip_code             = each.value.zip_code
  country              = each.value.country
  metadata             = merge(var.common_metadata, each.value.metadata)
}
