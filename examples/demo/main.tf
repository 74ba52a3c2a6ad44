# The configuration `make demo` applies against the bundled Monri sandbox.
#
# It keeps three test customers with the test-customers module, adds one
# customer directly, then reads them back the ways a pipeline would: a lookup
# by merchant_customer_id, the saved cards of one customer, and a listing.
#
# The provider block is empty: make demo exports MONRI_BASE_URL,
# MONRI_AUTHENTICITY_TOKEN and MONRI_MERCHANT_KEY from the sandbox's start-up
# output. Against Monri's test environment you would export your own
# MONRI_AUTHENTICITY_TOKEN and MONRI_MERCHANT_KEY instead (and no base URL).

terraform {
  required_version = ">= 1.5.0"

  required_providers {
    monri = {
      source  = "monri-community/monri"
      version = "~> 0.1"
    }
  }
}

provider "monri" {}

module "test_customers" {
  source = "../modules/test-customers"

  merchant_customer_id_prefix = "demo-"
  customers = {
    alice = {
      name     = "Alice Example"
      email    = "alice@example.com"
      city     = "Zagreb"
      country  = "HR"
      metadata = { tier = "gold" }
    }
    bob = {
      name    = "Bob Example"
      email   = "bob@example.com"
      city    = "Sarajevo"
      country = "BA"
    }
    carol = {
      name  = "Carol Example"
      phone = "+386 1 000 0000"
    }
  }
}

# A customer declared directly, with every attribute.
resource "monri_customer" "shop_owner" {
  merchant_customer_id = "demo-shop-owner"
  name                 = "Dana Shopkeeper"
  email                = "dana@example.com"
  phone                = "+387 33 000 000"
  description          = "Owner of the demo shop"
  address              = "Zmaja od Bosne 8"
  city                 = "Sarajevo"
  zip_code             = "71000"
  country              = "BA"
  metadata = {
    source = "make demo"
  }
}

# Look a customer up by your own id, as a module would that did not create it.
# depends_on makes Terraform read it after the module's customers exist (the
# id is known at plan time, so the read would otherwise happen before them).
data "monri_customer" "alice" {
  merchant_customer_id = module.test_customers.merchant_customer_ids["alice"]

  depends_on = [module.test_customers]
}

# Alice's saved cards. make demo attaches two test cards through the
# sandbox-only endpoint between its two applies, standing in for checkouts
# with tokenisation on; the first apply lists none.
data "monri_customer_payment_methods" "alice" {
  customer_id = data.monri_customer.alice.id
}

# Every customer of the merchant, newest first (read after this
# configuration's customers are created).
data "monri_customers" "all" {
  depends_on = [module.test_customers, monri_customer.shop_owner]
}
