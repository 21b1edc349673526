"""How cases come in: registration, repeat detection at registration, and documents."""
