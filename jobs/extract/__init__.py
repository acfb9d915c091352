"""From observations to facts: model names, figures and licences read from text, and the events
they imply (``decide``). Everything here is pure: no I/O, no clock."""
