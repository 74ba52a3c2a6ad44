// Package store is the bottom layer of the sandbox: customers, payment
// methods and the counters that order them, behind one small interface with
// two implementations, NewMemory (the default) and OpenBolt (a bbolt file,
// the monri-sandbox -state flag).
//
// It knows nothing of HTTP nor of the API's JSON: it holds records, keeps
// the indexes the API layer reads (by uuid, live customers by
// merchant_customer_id, creation order) and makes writes durable. It does not
// validate fields; it only refuses what would break an index (a second live
// customer with the same merchant_customer_id, a card of an unknown
// customer).
//
// Reads are served from memory, from the last committed state: they never
// wait for a write's commit (bbolt's fsync). A write (Update) returns only
// once it is committed; concurrent writes are committed together, in one
// bbolt transaction (group commit).
package store

import (
	"errors"
	"time"
)

// Customer is a stored customer. Values handed out by a Store are copies
// the caller may keep and change. The JSON tags are those of a Dump.
type Customer struct {
	UUID               string            `json:"uuid"`
	MerchantCustomerID *string           `json:"merchant_customer_id"`
	Description        *string           `json:"description"`
	Email              *string           `json:"email"`
	Name               *string           `json:"name"`
	Phone              *string           `json:"phone"`
	ZipCode            *string           `json:"zip_code"`
	City               *string           `json:"city"`
	Address            *string           `json:"address"`
	Country            *string           `json:"country"`
	Metadata           map[string]string `json:"metadata"`
	Deleted            bool              `json:"deleted"`
	CreatedAt          time.Time         `json:"created_at"`
	UpdatedAt          time.Time         `json:"updated_at"`
	DeletedAt          *time.Time        `json:"deleted_at"`
}

// PaymentMethod is a saved card. The store keeps Expired as it was given
// (the API layer computes it from the clock when it answers).
type PaymentMethod struct {
	ID             string    `json:"id"`
	Status         string    `json:"status"`
	MaskedPAN      string    `json:"masked_pan"`
	ExpirationDate string    `json:"expiration_date"`
	KeepUntil      time.Time `json:"keep_until"`
	CreatedAt      time.Time `json:"created_at"`
	UpdatedAt      time.Time `json:"updated_at"`
	CustomerUUID   string    `json:"customer_uuid"`
	Token          string    `json:"token"`
	Expired        bool      `json:"expired"`
}

// Errors of Writer methods and of Import.
var (
	// ErrMerchantIDTaken: another live customer holds the merchant_customer_id.
	ErrMerchantIDTaken = errors.New("store: merchant_customer_id is held by another live customer")
	// ErrCustomerNotFound: a payment method's customer is unknown.
	ErrCustomerNotFound = errors.New("store: customer not found")
	// ErrInvalid: a record without its identifier, or a duplicate one.
	ErrInvalid = errors.New("store: invalid record")
	// ErrNotEmpty: Import into a store that already holds customers.
	ErrNotEmpty = errors.New("store: not empty")
	// ErrClosed: the store is closed.
	ErrClosed = errors.New("store: closed")
)

// Reader reads one consistent, committed state of the store. It is only
// valid inside the function it was handed to.
type Reader interface {
	// Customer returns the customer with the uuid, deleted ones included.
	Customer(uuid string) (Customer, bool)
	// LiveCustomerByMerchantID returns the customer that is not deleted and
	// holds the merchant_customer_id.
	LiveCustomerByMerchantID(id string) (Customer, bool)
	// LastDeletedByMerchantID returns the newest deleted customer that held
	// the merchant_customer_id. O(number of customers).
	LastDeletedByMerchantID(id string) (Customer, bool)
	// CustomerPage returns at most limit customers, newest first (by
	// created_at, then creation order), after skipping offset of them;
	// deleted customers only when includeDeleted.
	CustomerPage(offset, limit int, includeDeleted bool) []Customer
	// Customers returns every customer, deleted ones included, in creation
	// order.
	Customers() []Customer
	// PaymentMethodPage returns at most limit of the customer's payment
	// methods, newest first, after skipping offset of them.
	PaymentMethodPage(customerUUID string, offset, limit int) []PaymentMethod
	// PaymentMethods returns every payment method in creation order.
	PaymentMethods() []PaymentMethod
	// Len returns the number of customers, deleted ones included.
	Len() int
}

// Writer is handed to an Update's function. It reads the state as the
// writes before it in the same Update (and, with OpenBolt, the writes of
// Updates being committed) left it.
type Writer interface {
	Customer(uuid string) (Customer, bool)
	LiveCustomerByMerchantID(id string) (Customer, bool)
	// PutCustomer creates the customer (a new UUID) or replaces it. It
	// returns ErrMerchantIDTaken if it is live and another live customer
	// holds its merchant_customer_id, ErrInvalid without a UUID.
	PutCustomer(c Customer) error
	// AddPaymentMethod saves a new card; ErrCustomerNotFound if its
	// CustomerUUID is unknown, ErrInvalid without an ID or with an ID
	// already saved.
	AddPaymentMethod(pm PaymentMethod) error
}

// Store is the sandbox's storage. All methods are safe for concurrent use.
type Store interface {
	// View runs fn with the last committed state. It never waits for a
	// commit in progress.
	View(fn func(Reader))
	// Update runs fn, then commits its writes if fn returns nil (and drops
	// them otherwise). It returns once they are committed (durable, for
	// OpenBolt) and visible to View, or with the error that prevented it.
	// Updates are serialised: fn must not call the Store.
	Update(fn func(Writer) error) error
	// Close releases the store; later calls fail with ErrClosed.
	Close() error
}
