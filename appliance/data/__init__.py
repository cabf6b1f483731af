"""Data shipped with the appliance: competency frameworks and the consent text for parents."""
