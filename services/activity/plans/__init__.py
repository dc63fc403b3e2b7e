"""The plans registry: strategies, local engagement plans, and the counts of the activities
that deliver them."""
