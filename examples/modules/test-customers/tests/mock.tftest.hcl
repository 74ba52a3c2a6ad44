# Plan-only tests of the module's own logic, with a mocked provider: no
# sandbox, no credentials and no network (Terraform 1.7 or later; the mocked
# values during plan need 1.11). Run these alone with
#   terraform test -filter=tests/mock.tftest.hcl

mock_provider "monri" {
  # Computed attributes get the mock values already at plan time, so that
  # plan-only runs can assert on the module's outputs.
  override_during = plan

  mock_resource "monri_customer" {
    defaults = {
      id = "00000000-0000-4000-8000-000000000000"
    }
  }
}

variables {
  merchant_customer_id_prefix = "ci-checkout-"
  customers = {
    alice = {
      name     = "Alice Example"
      email    = "alice@example.com"
      metadata = { tier = "gold", managed_by = "alice" }
    }
    bob = {}
  }
}

run "merchant_customer_id_is_prefix_plus_key" {
  command = plan

  assert {
    condition     = monri_customer.this["alice"].merchant_customer_id == "ci-checkout-alice"
    error_message = "alice's merchant_customer_id should be ci-checkout-alice, got ${monri_customer.this["alice"].merchant_customer_id}."
  }

  assert {
    condition     = output.merchant_customer_ids == { alice = "ci-checkout-alice", bob = "ci-checkout-bob" }
    error_message = "output.merchant_customer_ids should map each key to its merchant_customer_id."
  }

  assert {
    condition     = output.customer_ids == { alice = "00000000-0000-4000-8000-000000000000", bob = "00000000-0000-4000-8000-000000000000" }
    error_message = "output.customer_ids should map each key to the customer's id."
  }
}

run "own_metadata_wins_over_common_metadata" {
  command = plan

  assert {
    condition     = monri_customer.this["alice"].metadata == tomap({ managed_by = "alice", tier = "gold" })
    error_message = "alice's own metadata should win on a key clash, got ${jsonencode(monri_customer.this["alice"].metadata)}."
  }

  assert {
    condition     = monri_customer.this["bob"].metadata == tomap({ managed_by = "terraform" })
    error_message = "bob should get the default common_metadata, got ${jsonencode(monri_customer.this["bob"].metadata)}."
  }

  assert {
    condition     = monri_customer.this["bob"].name == null && monri_customer.this["bob"].email == null
    error_message = "Fields a customer does not set should stay null, not empty strings."
  }
}

run "no_customers_by_default" {
  command = plan

  variables {
    customers = {}
  }

  assert {
    condition     = length(monri_customer.this) == 0 && length(output.customer_ids) == 0
    error_message = "An empty customers map should plan no customer."
  }
}

run "accepts_the_longest_key_and_prefix" {
  command = plan

  variables {
    merchant_customer_id_prefix = "p23456789012345678901234567890123456789"
    customers = {
      "k23456789012345678901234567890123456789012345678901234567890" = {}
    }
  }

  assert {
    condition     = length(one(values(output.merchant_customer_ids))) == 99
    error_message = "A 39-character prefix and a 60-character key should make a 99-character merchant_customer_id."
  }
}

run "rejects_an_empty_key" {
  command = plan

  variables {
    customers = {
      "" = { name = "Nobody" }
    }
  }

  expect_failures = [var.customers]
}

run "rejects_a_key_longer_than_60_characters" {
  command = plan

  variables {
    customers = {
      "k234567890123456789012345678901234567890123456789012345678901" = {}
    }
  }

  expect_failures = [var.customers]
}

run "rejects_a_prefix_longer_than_39_characters" {
  command = plan

  variables {
    merchant_customer_id_prefix = "p234567890123456789012345678901234567890"
  }

  expect_failures = [var.merchant_customer_id_prefix]
}
