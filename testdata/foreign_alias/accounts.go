package accounts

import "github.com/cachegen/cachegen/examples/models"

// Account caches another package's struct: the API speaks *models.User.
//
//cache:key=account:<ID> ttl=1h local=100
//cache:key=account:email:<Email> name=AccountByEmailCache codec=fast crypt
type Account = models.User
