package models

// Person owns orders.
type Person struct {
	ID      uint64
	Company *Company
}

// Company employs people.
type Company struct {
	Code string
}

// Order is an order.
//
//cache:key=order:<Owner.Company.Code>/<Owner.ID>/<Number>
type Order struct {
	Number int32
	Owner  *Person
	Notes  *string
}
