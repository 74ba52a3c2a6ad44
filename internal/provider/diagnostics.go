package provider

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"time"

	"github.com/monri-community/terraform-provider-monri/internal/monri"
)

// errorDetail turns a client error into a diagnostic detail: what Monri said,
// the HTTP status, and what to do next. It never includes request bodies or
// credentials (the client's errors do not carry them).
func errorDetail(err error) string {
	var apiErr *monri.APIError
	var transportErr *monri.TransportError
	var tokenErr *monri.AccessTokenError
	var contra *monri.ContradictingAnswerError
	var limit *monri.ListingLimitError
	switch {
	case errors.As(err, &contra):
		return contradictingAnswerDetail(contra)
	case errors.As(err, &limit):
		return listingLimitDetail(limit)
	case errors.As(err, &tokenErr):
		// authentication = "access_token": the request itself was not sent.
		return "With authentication = \"access_token\" the provider first obtains an OAuth access token, and that failed. " +
			errorDetail(tokenErr.Err)
	case errors.Is(err, context.DeadlineExceeded):
		return fmt.Sprintf("The request did not complete in time: %v. Raise request_timeout or check connectivity to Monri.", err)
	case errors.As(err, &apiErr):
		next := "Check the request and try again."
		switch {
		case apiErr.HTTPStatus == http.StatusUnauthorized && apiErr.Path == "/v2/oauth":
			next = "Monri did not issue an access token for these credentials: check authenticity_token and merchant_key " +
				"(or MONRI_AUTHENTICITY_TOKEN and MONRI_MERCHANT_KEY) and that they belong to the environment in use."
		case apiErr.HTTPStatus == http.StatusUnauthorized && apiErr.Authentication == monri.AuthAccessToken:
			next = "Monri rejected the OAuth access token (authentication = \"access_token\"), also after the provider obtained a new one: " +
				"check that the merchant account may use the Customers API with access tokens, or try authentication = \"signature\"."
		case apiErr.HTTPStatus == http.StatusUnauthorized:
			next = "Monri rejected the credentials or the request signature: check authenticity_token and merchant_key " +
				"(or MONRI_AUTHENTICITY_TOKEN and MONRI_MERCHANT_KEY) and that they belong to the environment in use, and that this machine's clock is correct. " +
				"If they are right, Monri may accept only OAuth access tokens on this endpoint (as its own SDKs use): set " +
				"authentication = \"access_token\" in the provider block (or MONRI_AUTHENTICATION=access_token)."
		case apiErr.HTTPStatus == http.StatusForbidden:
			next = "The credentials are not allowed to do this; check the merchant account's permissions."
		case apiErr.HTTPStatus == http.StatusTooManyRequests:
			next = "Monri is throttling requests: retry later, raise max_retries, or set max_requests_per_second."
		case apiErr.HTTPStatus >= 500:
			next = "Monri or a proxy in front of it failed; this is usually temporary: retry later."
		case apiErr.NotJSON:
			next = "The answer did not come from Monri's API: check base_url and any proxy in between."
		}
		return fmt.Sprintf("Monri answered HTTP %d to %s %s", apiErr.HTTPStatus, apiErr.Method, apiErr.Path) +
			messagePart(apiErr) + attemptsPart(apiErr.Attempts) + ". " + next
	case errors.As(err, &transportErr):
		return fmt.Sprintf("No answer from Monri for %s %s: %v%s. Check base_url and network connectivity; transient faults are retried up to max_retries times.",
			transportErr.Method, transportErr.Path, transportErr.Err, attemptsPart(transportErr.Attempts))
	}
	return err.Error()
}

func messagePart(e *monri.APIError) string {
	switch {
	case e.Message == "":
		return ""
	case e.NotJSON:
		return fmt.Sprintf(" with a non-JSON body: %q", e.Message)
	case e.Status != "":
		return fmt.Sprintf(" (%s): %q", e.Status, e.Message)
	}
	return fmt.Sprintf(": %q", e.Message)
}

func attemptsPart(n int) string {
	if n > 1 {
		return fmt.Sprintf(" (after %d attempts)", n)
	}
	return ""
}

// contradictingAnswerDetail explains an answer about another customer than
// the one asked for: nothing of it was used.
func contradictingAnswerDetail(e *monri.ContradictingAnswerError) string {
	return fmt.Sprintf("Monri's answer to %s %s contradicts the request: the request's %s is %s, the answer's is %s "+
		"(the answer describes customer %s). It is not an answer to this request (a cache or proxy in front of Monri may have "+
		"mixed answers up), so the provider used nothing of it and wrote nothing of it to the state; customer %s was not touched. "+
		"Check base_url and any proxy or cache in between, then apply again.",
		e.Method, e.Path, e.Field, quoteOrNone(e.Sent), quoteOrNone(e.Got), e.UUID, e.UUID)
}

// createContradictedDetail is the create error when the answer describes
// another customer and no merchant_customer_id was sent to look the new
// customer up by.
func createContradictedDetail(e *monri.ContradictingAnswerError) string {
	return contradictingAnswerDetail(e) + "\n\nThe create request may have created a customer on Monri, and without a " +
		"merchant_customer_id the provider cannot look it up. Find it with the monri_customers data source or the Monri " +
		"dashboard; if it exists, import it with \"terraform import <resource address> <uuid>\", otherwise apply again. " +
		"Setting merchant_customer_id lets the provider find its own customer by itself."
}

func quoteOrNone(s string) string {
	if s == "" {
		return "none"
	}
	return fmt.Sprintf("%q", s)
}

// listingLimitDetail explains a listing stopped by max_listing_items.
func listingLimitDetail(e *monri.ListingLimitError) string {
	return fmt.Sprintf("The listing of %s stopped after %d items: that is max_listing_items (provider block; or the %s "+
		"environment variable; default %d), the most one listing may go through, so that a server or proxy that never "+
		"ends a listing cannot keep the provider paging forever. If Monri really holds more, narrow the listing with a "+
		"filter that ends paging early (created_after on monri_customers, max_items, a list resource's limit), or raise "+
		"max_listing_items; if it should not, check base_url and any proxy or cache in between.",
		e.Path, e.Limit, EnvMaxListingItems, monri.DefaultMaxListingItems)
}

// dataSourceTimedOutDetail explains a data source read that timeouts.read
// ended.
func dataSourceTimedOutDetail(what string, timeout time.Duration, err error) string {
	return fmt.Sprintf("%s did not finish within timeouts.read (%s), which bounds the whole read including every page, retry "+
		"and backoff. Raise timeouts.read, or narrow the listing with a filter. The last error: %s", what, timeout, errorDetail(err))
}

// The create path's errors, one function per situation.

// createTimedOutAdoptingDetail: the create's outcome was unknown, the
// lookup found the customer, and the time ran out while bringing it in line.
func createTimedOutAdoptingDetail(op *operation, dup *monri.DuplicateMerchantCustomerIDError) string {
	return op.exceeded("Creating the customer") +
		fmt.Sprintf(" The create request's outcome was unknown; looking it up by merchant_customer_id %q found customer %s, "+
			"most likely created by this apply, but the time ran out while updating it to match the configuration.\n\n"+
			"Import it (no second customer is created) with\n\n"+
			"  terraform import <resource address> %s%s\n\n"+
			"and apply again to bring it in line. %s",
			dup.MerchantCustomerID, dup.ExistingUUID, merchantIDImportPrefix, dup.MerchantCustomerID, op.next())
}

// duplicateCustomerDetail: another customer already has the
// merchant_customer_id.
func duplicateCustomerDetail(dup *monri.DuplicateMerchantCustomerIDError) string {
	detail := fmt.Sprintf("Monri already has a customer with merchant_customer_id %q, so it refused to create another one.", dup.MerchantCustomerID)
	if dup.ExistingUUID != "" {
		detail += fmt.Sprintf(" It is customer %s.", dup.ExistingUUID)
	}
	return detail + fmt.Sprintf("\n\nTo manage that customer with Terraform, import it:\n\n  terraform import <resource address> %s%s\n\n"+
		"or use a different merchant_customer_id.\n\n%s", merchantIDImportPrefix, dup.MerchantCustomerID, errorDetail(dup.Err))
}

// createTimedOutUnknownDetail: the time ran out before the customer of a
// create with an unknown outcome could be looked up by merchant_customer_id.
func createTimedOutUnknownDetail(op *operation, unknown *monri.UnknownOutcomeError) string {
	return op.exceeded("Creating the customer") +
		fmt.Sprintf(" The create request's outcome is unknown: the customer may have been created on Monri, and the time ran out "+
			"before the provider could look it up by merchant_customer_id %q.\n\n"+
			"Apply again: the provider sends the create again, and if the customer exists, Monri refuses it as a duplicate "+
			"(no second customer is created) and the error says to import it with\n\n"+
			"  terraform import <resource address> %s%s\n\n%s",
			unknown.MerchantCustomerID, merchantIDImportPrefix, unknown.MerchantCustomerID, op.next())
}

// createTimedOutUnknownNoIDDetail: the time ran out with the outcome
// unknown and no merchant_customer_id to look the customer up by.
func createTimedOutUnknownNoIDDetail(op *operation) string {
	return op.exceeded("Creating the customer") +
		" The create request's outcome is unknown: the customer may have been created on Monri, and without a " +
		"merchant_customer_id the provider cannot look it up.\n\n" +
		"Find the customer with the monri_customers data source or the Monri dashboard; if it exists, import it with " +
		"\"terraform import <resource address> <uuid>\", otherwise apply again. Setting merchant_customer_id avoids this.\n\n" + op.next()
}

// createTimedOutDetail: the time ran out and Monri did not create the
// customer.
func createTimedOutDetail(op *operation, err error) string {
	return op.exceeded("Creating the customer") + " Monri did not create the customer. " + op.lastError(err) + "\n\n" + op.next()
}

// createUnknownOutcomeDetail: the outcome is unknown and looking the
// customer up by merchant_customer_id failed too.
func createUnknownOutcomeDetail(unknown *monri.UnknownOutcomeError) string {
	return fmt.Sprintf(
		"The create request's outcome is unknown: the customer may have been created on Monri, and looking it up by "+
			"merchant_customer_id %q failed too, so the provider stopped.\n\n"+
			"When Monri is reachable, apply again; if the customer exists, that create is refused as a duplicate: import it with\n\n"+
			"  terraform import <resource address> %s%s\n\n%s",
		unknown.MerchantCustomerID, merchantIDImportPrefix, unknown.MerchantCustomerID, errorDetail(unknown.Err))
}

// createUnknownOutcomeNoIDDetail: the outcome is unknown and there is no
// merchant_customer_id to look the customer up by.
func createUnknownOutcomeNoIDDetail(unknown *monri.UnknownOutcomeError) string {
	return "The create request's outcome is unknown: the customer may have been created on Monri, but no answer arrived, " +
		"and without a merchant_customer_id the provider cannot look it up, so it did not retry (a retry could create a duplicate).\n\n" +
		"Find the customer with the monri_customers data source or the Monri dashboard; if it exists, import it with " +
		"\"terraform import <resource address> <uuid>\", otherwise apply again. Setting merchant_customer_id avoids this.\n\n" +
		errorDetail(unknown.Err)
}
