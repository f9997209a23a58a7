"""Qt widgets of the convgui window (thin views over the state)."""
