# A CI pipeline stamps every test customer it creates with who made it, which
# run made it, and when it may be cleaned up, while the merchant's application
# writes its own metadata keys on the same customers.
terraform {
  required_providers {
    monri = {
      source  = "monri-community/monri"
      version = "~> 0.1"
    }
  }
}

variable "pipeline_run" {
  description = "The CI run that applies this configuration, such as the CI system's run number."
  type        = string
  default     = "local"
}

variable "expires_at" {
  description = "When the test customers may be deleted (RFC 3339)."
  type        = string
  default     = "2026-12-31T00:00:00Z"
}

provider "monri" {
  # Merged into the metadata of every monri_customer below (see metadata_all).
  default_metadata = {
    managed_by = "terraform"
    pipeline   = var.pipeline_run
    expires_at = var.expires_at
  }

  # Written by the checkout application: never shown as drift, never stored in
  # state, never sent in an update (not even as null).
  ignore_metadata_keys         = ["last_checkout_at"]
  ignore_metadata_key_prefixes = ["app_"]
}

resource "monri_customer" "buyer" {
  merchant_customer_id = "ci-buyer"
  name                 = "CI Buyer"
  email                = "ci-buyer@example.com"

  # Only this resource's own keys; Monri gets these merged with the defaults.
  metadata = {
    role = "buyer"
  }
}

resource "monri_customer" "long_lived" {
  merchant_customer_id = "ci-long-lived"
  name                 = "CI Long-Lived"

  # The resource wins over a default on the same key.
  metadata = {
    expires_at = "never"
  }
}

# What Monri holds for the buyer: managed_by, pipeline, expires_at and role.
output "buyer_metadata_all" {
  value = monri_customer.buyer.metadata_all
}
