"""The API's serializers, by resource; import them from here."""

from .campaigns import (  # noqa: F401 - the package's public names
    CampaignSerializer,
    CampaignVersionDetailSerializer,
    CampaignVersionSerializer,
    CampaignWriteSerializer,
    ForkSerializer,
    ImportSerializer,
    RestoreSerializer,
)
from .fields import (  # noqa: F401 - the package's public names
    ExecutableRightSerializer,
    FlagField,
    GraphField,
    ParametersField,
    ParameterValuesField,
    TagsField,
    TextField,
)
from .people import (  # noqa: F401 - the package's public names
    ApiTokenCreatedSerializer,
    ApiTokenCreateSerializer,
    ApiTokenSerializer,
    AuditEntrySerializer,
    FunctionSerializer,
    LoginSerializer,
    MembershipSerializer,
    MemberWriteSerializer,
    PasswordChangeSerializer,
    TeamSerializer,
    TeamWriteSerializer,
    TokenSerializer,
    UserBriefSerializer,
    UserCreateSerializer,
    UserRightsSerializer,
    UserSerializer,
    UserTeamSerializer,
)
from .runs import (  # noqa: F401 - the package's public names
    BatchLaunchSerializer,
    BatchRunSerializer,
    BatchSerializer,
    BulkRunsSerializer,
    LaunchedRunSerializer,
    LaunchSerializer,
    RetrySerializer,
    RunDetailSerializer,
    RunEventSerializer,
    RunSerializer,
    RunSummarySerializer,
    StepItemSerializer,
    StepRunSerializer,
)
