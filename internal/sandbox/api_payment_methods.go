package sandbox

import (
	"errors"
	"fmt"
	"time"

	"github.com/monri-community/terraform-provider-monri/internal/sandbox/store"
)

// DefaultPAN is the card number AttachCard uses when Card.PAN is empty.
const DefaultPAN = "4111111111111111"

// Errors returned by AttachCard.
var (
	ErrCustomerNotFound = errors.New("sandbox: customer not found")
	ErrInvalidCard      = errors.New("sandbox: invalid card")
)

// AttachCard saves a card for a live customer, as a payment confirmed with
// the customer's uuid and tokenisation on would. (The Customers API itself
// never creates payment methods.) The card's ID is its Token, as in the
// docs' example, unless Variants.DistinctCardIDs is set.
func (s *Server) AttachCard(customerUUID string, c Card) (PaymentMethod, error) {
	pan := c.PAN
	if pan == "" {
		pan = DefaultPAN
	}
	if len(pan) < 12 || len(pan) > 19 {
		return PaymentMethod{}, fmt.Errorf("%w: PAN must have 12 to 19 digits", ErrInvalidCard)
	}
	for _, r := range pan {
		if r < '0' || r > '9' {
			return PaymentMethod{}, fmt.Errorf("%w: PAN must contain digits only", ErrInvalidCard)
		}
	}
	now := s.now()
	year, month := c.ExpirationYear, c.ExpirationMonth
	switch {
	case c.Expired:
		year, month = now.Year(), now.Month()-1
		if month == 0 {
			year, month = year-1, time.December
		}
	case year == 0 && month == 0:
		year, month = now.Year()+3, time.December
	}
	if month < time.January || month > time.December {
		return PaymentMethod{}, fmt.Errorf("%w: expiration month %d", ErrInvalidCard, int(month))
	}
	if year < 1000 || year > 9999 {
		return PaymentMethod{}, fmt.Errorf("%w: expiration year %d", ErrInvalidCard, year)
	}
	// The first instant of the month after expiry; the card is valid until
	// just before it (withExpired computes the same from the date).
	expiresAt := time.Date(year, month+1, 1, 0, 0, 0, 0, time.UTC)
	lastDay := expiresAt.AddDate(0, 0, -1)

	// By default a card's id is its token, as in the docs' example;
	// distinct-card-ids gives it an id of its own.
	token := randomHex64()
	id := token
	if s.variantsNow().DistinctCardIDs {
		for id == token {
			id = randomHex64()
		}
	}
	pm := PaymentMethod{
		ID:             id,
		Status:         "approved",
		MaskedPAN:      pan[:6] + "******" + pan[len(pan)-4:],
		ExpirationDate: lastDay.Format(time.DateOnly),
		KeepUntil:      expiresAt.Add(-time.Second),
		CreatedAt:      now,
		UpdatedAt:      now,
		CustomerUUID:   customerUUID,
		Token:          token,
	}

	err := s.st.Update(func(w store.Writer) error {
		if c, ok := w.Customer(customerUUID); !ok || c.Deleted {
			return fmt.Errorf("%w: %s", ErrCustomerNotFound, customerUUID)
		}
		return w.AddPaymentMethod(pm)
	})
	if err != nil {
		return PaymentMethod{}, err
	}
	return withExpired(pm, s.preciseNow()), nil
}

// listPaymentMethods implements GET /v2/customers/{uuid}/payment-methods:
// newest first, paged by limit and offset.
func (s *Server) listPaymentMethods(v *Variants, uuid, rawQuery string) (listResponse[paymentMethodJSON], *apiError) {
	limit, offset, e := pageParams(rawQuery, v)
	if e != nil {
		return listResponse[paymentMethodJSON]{}, e
	}
	var page []PaymentMethod
	var live bool
	s.st.View(func(r store.Reader) {
		c, ok := r.Customer(uuid)
		if live = ok && !c.Deleted; live {
			page = r.PaymentMethodPage(uuid, offset, limit)
		}
	})
	if !live && !v.UnknownCustomerEmptyCards {
		return listResponse[paymentMethodJSON]{}, errCustomerNotFound
	}
	now := s.preciseNow()
	data := make([]paymentMethodJSON, len(page))
	for i, pm := range page {
		data[i] = paymentMethodView(withExpired(pm, now), v)
	}
	return listResponse[paymentMethodJSON]{Status: "approved", Data: data}, nil
}

// withExpired returns the payment method with Expired computed at now: a
// card is valid until the end of its expiration_date's day.
func withExpired(pm PaymentMethod, now time.Time) PaymentMethod {
	expiresAt, err := expiryFromDate(pm.ExpirationDate)
	pm.Expired = err == nil && !now.Before(expiresAt)
	return pm
}

// expiryFromDate parses an expiration_date (YYYY-MM-DD, the last day of the
// month) into the first instant after it.
func expiryFromDate(date string) (time.Time, error) {
	d, err := time.Parse(time.DateOnly, date)
	if err != nil {
		return time.Time{}, fmt.Errorf("invalid expiration_date %q: %w", date, err)
	}
	return d.AddDate(0, 0, 1), nil
}
