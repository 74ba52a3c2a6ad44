package sandbox

import (
	"errors"
	"fmt"
	"time"
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
	// just before it.
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

	s.st.mu.Lock()
	rec, ok := s.st.byUUID[customerUUID]
	if !ok || rec.c.Deleted {
		s.st.mu.Unlock()
		return PaymentMethod{}, fmt.Errorf("%w: %s", ErrCustomerNotFound, customerUUID)
	}
	s.st.pmSeq++
	pr := &pmRec{pm: pm, seq: s.st.pmSeq, expiresAt: expiresAt}
	rec.pms = insertSorted(rec.pms, pr, lessPM)
	s.st.gen++
	s.st.mu.Unlock()

	if err := s.persist(); err != nil {
		return PaymentMethod{}, err
	}
	return withExpired(pr, s.preciseNow()), nil
}

// withExpired returns the payment method with Expired computed at now.
func withExpired(pr *pmRec, now time.Time) PaymentMethod {
	pm := pr.pm
	pm.Expired = !now.Before(pr.expiresAt)
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
