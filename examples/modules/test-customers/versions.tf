terraform {
  required_version = ">= 1.5.0"

  required_providers {
    monri = {
      source  = "monri-community/monri"
      version = "~> 0.1"
    }
  }
}
