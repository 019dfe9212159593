"""Object permissions shared by the API's viewsets."""

from rest_framework.permissions import SAFE_METHODS, BasePermission


class IsOwnerOrReadOnly(BasePermission):
    """Anyone logged in may read; only the owner (`owner_field` on the view) may change."""

    message = "Only the author can change or delete this."

    def has_object_permission(self, request, view, obj):
        if request.method in SAFE_METHODS:
            return True
        owner_id = getattr(obj, f"{getattr(view, 'owner_field', 'user')}_id")
        return owner_id == request.user.id
