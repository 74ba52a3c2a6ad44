# An OAuth access token for Monri's mobile SDKs. It is ephemeral (Terraform
# 1.10 or later): a fresh token is obtained on every plan and apply, and it
# is never written to the plan or the state.
ephemeral "monri_access_token" "sdk" {
  # Optional; defaults to both scopes.
  scopes = ["customers", "payment-methods"]
}

# Use it where Terraform accepts ephemeral values: provider blocks, other
# ephemeral resources, and write-only arguments. For example, to hand it to a
# backend through AWS Secrets Manager (hashicorp/aws 5.x or later):
#
# resource "aws_secretsmanager_secret_version" "monri_sdk_token" {
#   secret_id                = aws_secretsmanager_secret.monri_sdk_token.id
#   secret_string_wo         = ephemeral.monri_access_token.sdk.access_token
#   secret_string_wo_version = 1
# }
