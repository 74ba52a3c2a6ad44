# Tests the module against a Monri API: the bundled sandbox (`make
# test-modules` starts one) or Monri's test environment. The provider reads
# MONRI_BASE_URL, MONRI_AUTHENTICITY_TOKEN and MONRI_MERCHANT_KEY from the
# environment.
#
# create -> read back what Monri stored -> update in place -> read back
# again. terraform test destroys everything afterwards (in reverse order);
# `make test-modules` then checks that the sandbox holds no customer.

variables {
  # Unique per pipeline when several share one Monri test merchant.
  merchant_customer_id_prefix = "tftest-"
  customers = {
    alice = {
      name     = "Alice Example"
      email    = "alice@example.com"
      city     = "Zagreb"
      country  = "HR"
      metadata = { tier = "gold" }
    }
    bob = {
      name  = "Bob Example"
      phone = "+387 33 000 000"
    }
  }
}

run "create" {
  assert {
    condition     = output.merchant_customer_ids == { alice = "tftest-alice", bob = "tftest-bob" }
    error_message = "merchant_customer_ids should be the prefix plus each key, got ${jsonencode(output.merchant_customer_ids)}."
  }

  assert {
    condition = alltrue([
      for id in values(output.customer_ids) : can(regex("^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$", id))
    ])
    error_message = "Every customer id should be a Monri UUID, got ${jsonencode(output.customer_ids)}."
  }

  assert {
    condition     = monri_customer.this["alice"].metadata == tomap({ managed_by = "terraform", tier = "gold" })
    error_message = "alice's metadata should merge common_metadata with her own, got ${jsonencode(monri_customer.this["alice"].metadata)}."
  }
}

# Reads the customers back through the data sources: what the sandbox
# stored, found by id, by merchant_customer_id and in the listing.
run "stored" {
  module {
    source = "./tests/readback"
  }

  variables {
    customer_ids                = run.create.customer_ids
    merchant_customer_ids       = run.create.merchant_customer_ids
    merchant_customer_id_prefix = "tftest-"
  }

  assert {
    condition = (
      data.monri_customer.by_id["alice"].name == "Alice Example" &&
      data.monri_customer.by_id["alice"].email == "alice@example.com" &&
      data.monri_customer.by_id["alice"].city == "Zagreb" &&
      data.monri_customer.by_id["alice"].country == "HR" &&
      data.monri_customer.by_id["alice"].merchant_customer_id == "tftest-alice"
    )
    error_message = "Monri does not hold alice as configured: ${jsonencode(data.monri_customer.by_id["alice"])}."
  }

  assert {
    condition     = data.monri_customer.by_id["alice"].metadata == tomap({ managed_by = "terraform", tier = "gold" })
    error_message = "Monri holds alice's metadata as ${jsonencode(data.monri_customer.by_id["alice"].metadata)}."
  }

  assert {
    condition = (
      data.monri_customer.by_id["bob"].phone == "+387 33 000 000" &&
      data.monri_customer.by_id["bob"].email == null &&
      data.monri_customer.by_id["bob"].metadata == tomap({ managed_by = "terraform" })
    )
    error_message = "Monri does not hold bob as configured: ${jsonencode(data.monri_customer.by_id["bob"])}."
  }

  assert {
    condition = alltrue([
      for k, id in var.customer_ids : data.monri_customer.by_merchant_customer_id[k].id == id
    ])
    error_message = "A lookup by merchant_customer_id found another customer than the module created."
  }

  assert {
    condition = tomap({
      for c in data.monri_customers.all.customers : c.merchant_customer_id => c.id
      if startswith(coalesce(c.merchant_customer_id, "-"), var.merchant_customer_id_prefix)
    }) == tomap({ for k, id in var.customer_ids : var.merchant_customer_ids[k] => id })
    error_message = "The listing should hold exactly the module's customers, got ${jsonencode(data.monri_customers.all.customers)}."
  }
}

# Changes fields, removes bob's phone and alice's tier: the customers must be
# updated in place (same ids), not replaced.
run "update" {
  variables {
    customers = {
      alice = {
        name    = "Alice Example"
        email   = "alice@example.org"
        city    = "Split"
        country = "HR"
      }
      bob = {
        name    = "Bob Example"
        country = "BA"
      }
    }
    common_metadata = {
      managed_by = "terraform"
      suite      = "update"
    }
  }

  assert {
    condition     = monri_customer.this["bob"].phone == null
    error_message = "bob's phone should be null after it was removed from the configuration."
  }
}

run "stored_after_update" {
  module {
    source = "./tests/readback"
  }

  variables {
    customer_ids                = run.update.customer_ids
    merchant_customer_ids       = run.update.merchant_customer_ids
    merchant_customer_id_prefix = "tftest-"
    previous_customer_ids       = run.stored.customer_ids
  }

  # Asserted here, not in run "update": OpenTofu's assertions cannot refer to
  # other runs, but its variables can (run "stored", which has the ids of
  # run "create"; OpenTofu keeps only the last run of the module under test).
  assert {
    condition     = tomap(var.customer_ids) == tomap(var.previous_customer_ids)
    error_message = "The update replaced customers: ids were ${jsonencode(var.previous_customer_ids)}, now ${jsonencode(var.customer_ids)}."
  }

  assert {
    condition = (
      data.monri_customer.by_id["alice"].email == "alice@example.org" &&
      data.monri_customer.by_id["alice"].city == "Split" &&
      data.monri_customer.by_id["alice"].metadata == tomap({ managed_by = "terraform", suite = "update" })
    )
    error_message = "Monri does not hold the updated alice: ${jsonencode(data.monri_customer.by_id["alice"])}."
  }

  assert {
    condition = (
      data.monri_customer.by_id["bob"].phone == null &&
      data.monri_customer.by_id["bob"].country == "BA"
    )
    error_message = "Monri still holds bob's removed phone or lacks his country: ${jsonencode(data.monri_customer.by_id["bob"])}."
  }
}

# Removes every customer through the module itself (an empty customers map),
# so that nothing depends on the test framework's own clean-up: OpenTofu
# 1.12 cleans up only the state of the last run, here the readback module's.
run "remove_all" {
  variables {
    customers = {}
  }

  assert {
    condition     = length(output.customer_ids) == 0
    error_message = "An empty customers map should leave no customer, got ${jsonencode(output.customer_ids)}."
  }
}
