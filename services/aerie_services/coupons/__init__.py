"""The coupons bounded context."""
