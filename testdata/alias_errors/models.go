package models

import (
	"sync/atomic"
	"time"

	"google.golang.org/protobuf/types/known/timestamppb"
)

//cache:key=g:<X>
type G = atomic.Pointer[int]

//cache:key=d:<X>
type D = time.Duration

//cache:key=a:<ID>
type A = struct{ ID int64 }

//cache:key=t:<Year>
type T = time.Time

//cache:key=ts:<Seconds>
type TS = timestamppb.Timestamp

//cache:key=u:<ID> codec=proto
type U struct{ ID int64 }

//cache:key=l:<ID>
type L = U
