package opcodes

import "encoding/json"

// Nullable is a request field that is absent, null or a value. PATCH bodies use null to clear
// a field ("topic": null), which encoding/json cannot tell from absence with pointers.
type Nullable[T any] struct {
	// Set reports that the key was present, null or not.
	Set bool
	// Null reports that the key was present with a JSON null.
	Null bool
	// Value is the decoded value when Set and not Null.
	Value T
}

// Some returns a Nullable holding v, for building requests in code.
func Some[T any](v T) Nullable[T] { return Nullable[T]{Set: true, Value: v} }

// Null returns a Nullable that clears the field.
func Null[T any]() Nullable[T] { return Nullable[T]{Set: true, Null: true} }

// UnmarshalJSON records presence; encoding/json calls it for null too.
func (n *Nullable[T]) UnmarshalJSON(b []byte) error {
	n.Set = true
	if string(b) == "null" {
		var zero T
		n.Null, n.Value = true, zero
		return nil
	}
	n.Null = false
	return json.Unmarshal(b, &n.Value)
}

// MarshalJSON writes null or the value (absence needs omitempty on a pointer, not this type).
func (n Nullable[T]) MarshalJSON() ([]byte, error) {
	if !n.Set || n.Null {
		return []byte("null"), nil
	}
	return json.Marshal(n.Value)
}

// Ptr returns a pointer to the value, or nil when null or absent.
func (n Nullable[T]) Ptr() *T {
	if !n.Set || n.Null {
		return nil
	}
	v := n.Value
	return &v
}

// NullableValue marks the type for request decoders that check JSON types by reflection: the
// field to check is Value.
func (Nullable[T]) NullableValue() {}
