terraform {
  required_providers {
    monri = {
      source  = "monri-community/monri"
      version = "~> 0.1"
    }
  }
}

# Credentials come from the environment, so no secret is written in HCL:
#
#   export MONRI_AUTHENTICITY_TOKEN=...   # merchant dashboard
#   export MONRI_MERCHANT_KEY=...         # merchant dashboard (secret)
#
# environment defaults to "test" (https://ipgtest.monri.com).
provider "monri" {
  environment = "test"
}

# Every setting. Defaults: environment "test", request_timeout "30s",
# max_retries 4, no rate limit, 4 pages of a listing at once.
provider "monri" {
  alias = "tuned"

  environment             = "prod" # or MONRI_ENVIRONMENT
  request_timeout         = "30s"  # per HTTP attempt; or MONRI_REQUEST_TIMEOUT
  max_retries             = 4      # transient faults only; or MONRI_MAX_RETRIES
  max_requests_per_second = 10     # client-side rate limit; or MONRI_MAX_REQUESTS_PER_SECOND
  max_concurrent_pages    = 4      # pages of a listing at once, 1 to 16; or MONRI_MAX_CONCURRENT_PAGES

  # monri_customer only (see "Default and Ignored Metadata" and examples/default-metadata):
  default_metadata             = { managed_by = "terraform" } # merged into every customer's metadata
  ignore_metadata_keys         = ["last_checkout_at"]         # keys another system writes
  ignore_metadata_key_prefixes = ["app_"]
}

# The bundled sandbox (go run ./internal/cmd/monri-sandbox) or a proxy:
# base_url overrides environment. Plain http is accepted only for loopback hosts.
provider "monri" {
  alias    = "sandbox"
  base_url = "http://127.0.0.1:8090" # or MONRI_BASE_URL
}
