variable "customers" {
  description = <<-EOT
    The test customers to keep on Monri, keyed by a stable name of your choice.
    The key becomes the customer's merchant_customer_id (prefixed with
    var.merchant_customer_id_prefix). Renaming a key deletes that customer and
    creates a new one (a new for_each instance); add a moved block from the old
    key to the new one to keep the customer and change its merchant_customer_id
    in place.
    Every field is optional and follows the monri_customer limits.
  EOT
  type = map(object({
    name        = optional(string)
    email       = optional(string)
    phone       = optional(string)
    description = optional(string)
    address     = optional(string)
    city        = optional(string)
    zip_code    = optional(string)
    country     = optional(string)
    metadata    = optional(map(string), {})
  }))
  default = {}

  validation {
    condition     = alltrue([for k in keys(var.customers) : length(k) >= 1 && length(k) <= 60])
    error_message = "Each key of customers must be 1 to 60 characters: it becomes part of merchant_customer_id (at most 100 characters with the prefix)."
  }
}

variable "merchant_customer_id_prefix" {
  description = "Prefix of every merchant_customer_id this module sets, e.g. the pipeline or environment name. Keeps modules that share one merchant account apart. At most 39 characters."
  type        = string
  default     = "tf-test-"

  validation {
    condition     = length(var.merchant_customer_id_prefix) <= 39
    error_message = "merchant_customer_id_prefix must be at most 39 characters."
  }
}

variable "common_metadata" {
  description = "Metadata added to every customer (a customer's own metadata wins on a key clash)."
  type        = map(string)
  default = {
    managed_by = "terraform"
  }
}
