"""One model per concept: incoming event, normalized invitation, stored item, published event."""
