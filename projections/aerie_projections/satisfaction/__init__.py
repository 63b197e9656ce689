"""Satisfaction: survey results per group, kept from running sums, shown behind the threshold."""
