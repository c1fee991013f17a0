"""The AIFlow event bus: an ordered, durable log of events on Redis Streams."""
