"""Training examples: drawing them from samples (`examples`), preparing every camera once (`prepared`), keeping frames (`frame_store`)."""
