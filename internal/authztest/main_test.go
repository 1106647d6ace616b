package authztest

import (
	"testing"

	"reportline/internal/testapp"
)

func TestMain(m *testing.M) { testapp.Main(m) }
