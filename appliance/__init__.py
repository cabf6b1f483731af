"""«Окей, школа»: the school-server appliance's core."""

__version__ = "0.1.0"
