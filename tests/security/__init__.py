"""Security tests: one company can never see or change another company's data through any route.
"""
