"""The indicators of the 12345 reform (一比三率 and more): one written definition each, computed by SQL over any
period and cut."""
